"""What mingbai remembers: users, messages, feedback, flows and cases, in one SQLite file."""
