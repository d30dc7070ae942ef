"""Planning: a child's contracted care, the credit (tegoed) or hour budget it earns
and spends, swap and extra-day requests, the organisation's rules as data, the
room in a group (places and the staff-to-child ratio) and the inbox that decides."""
