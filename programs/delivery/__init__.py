"""Delivery channels for reminders: push (pluggable backends) and e-mail (Django's mail)."""
