"""Publishing strategies: where a node's relation is built and how it is published, one
module per engine capability (see base.py for the interface, choose.py for the choice)."""
