"""The roster: organisations, locations, groups, children, users and who belongs to whom."""
