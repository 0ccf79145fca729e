"""The shell front: the ``nbprov`` command, one module per subcommand (see :mod:`.main`)."""
