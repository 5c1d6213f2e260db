"""What the generator draws from: word lists, apps and sites, template families, held-out family sets.

Literals only (lists, dicts, sets and Family records, joined with ``+``, ``+=`` and ``*``): no loops,
conditions or functions.  What is derived from them, such as the pulse and home families and the set of all
held-out families, is built in the code modules.  Order matters everywhere: a seed draws by position, so
reordering a list changes the data as much as editing it."""
