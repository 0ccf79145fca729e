"""Running notebooks headless as recorded trials: execution, parameters, grids."""
