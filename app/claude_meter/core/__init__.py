"""The Qt-free core: models, parsing rules and errors, all plain data and functions."""
