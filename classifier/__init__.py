"""Message topic classifier: plain Python, no Django.

Importing this package is cheap: no tokenizer, scikit-learn or model is loaded until used.
Entry points: ``classifier.train`` (train, evaluate), ``classifier.predict`` (Predictor),
``classifier.store`` (save, promote, load_current, ModelHolder), ``classifier.tokenizer``.
"""
