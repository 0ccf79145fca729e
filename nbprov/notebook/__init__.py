"""The notebook front: the IPython extension, its magics and its widgets."""
