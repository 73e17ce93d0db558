"""Accounts: roles and permissions, Argon2 passwords, server-side sessions, login rate limits."""
