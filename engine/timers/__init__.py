"""Time: firing due timers, scheduled processes (daily rounds, monthly reports), deadline-near reminders."""
