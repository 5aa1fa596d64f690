"""Eval suite: gold questions and quotes, metrics, and the regression gate against eval/baseline.json."""
