"""The WeChat Official Account channel: signed XML callbacks in, customer-service messages out."""
