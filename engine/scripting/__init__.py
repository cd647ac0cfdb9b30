"""Diagram scripts: the RestrictedPython sandbox and the helpers diagrams may call.

``sandbox`` compiles and runs every script, condition, timer expression and DMN
entry; ``environment`` is a property's script engine (calendar helpers,
``notify``, ``start_case``); ``requests`` collects what scripts ask for during a step.
"""
