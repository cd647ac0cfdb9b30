"""The organisation: properties (物业项目), their parameters and working-day calendar, staff and their roles."""
