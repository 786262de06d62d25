"""Reports, report notes and the moderators' actions on statuses (the admin API's services)."""
