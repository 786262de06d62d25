"""Mail: messages rendered from templates (messages.py), queued in the caller's transaction
(outbox.py) and sent over SMTP by a durable job (smtp.py, jobs/mail_jobs.py)."""
