"""Open tasks as people see them: the inbox, claiming and reassigning, and what a user may start."""
