"""The command line's subcommands; ``dcgan_core/__main__.py`` puts them together."""
