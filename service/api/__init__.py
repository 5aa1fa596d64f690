"""HTTP shell over the core engine: routes only translate between HTTP and `service.engine`."""
