"""The demo (``manage.py seed_demo``): the top layer, which seeds every app through its own
seeder (``directory.demo``, ``workflows.demo``, ``monitoring.demo``)."""
