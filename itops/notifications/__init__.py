"""Built-in notifications: domain events → rules → e-mail (SMTP) and JSON webhooks.

For offices that run no Alertmanager. The event bus calls ``NotificationService.publish``
synchronously from any thread; it only enqueues. An asyncio task routes, de-duplicates and
delivers with retries, so a slow or broken mail server never blocks a producer.
"""
