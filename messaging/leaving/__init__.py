"""Leaving: the admin's view of children about to leave (end dates, whether the
family took its archive, the purge date), and the e-mails that tell a family its
read-only window started and is about to end."""
