"""The enterprise service desk (企业服务): requests, routing, thread, SLA reminders, statistics.

The core is plain functions over a SQLAlchemy session; no web framework is imported here.
"""
