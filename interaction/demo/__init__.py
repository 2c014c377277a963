"""The demo city (青川市): organisation data, message templates, the seeded case generator.

Everything here is demo seeding, written by us: `content` reads `fixtures/demo_city/` and composes
messages from the templates, `corpus` turns them into the classifier's demo training corpus,
`organisation` loads jurisdictions, departments, categories, the catalogue and the demo users, and
`seed` drives a few hundred cases through the real services and moves them into the past.
"""
