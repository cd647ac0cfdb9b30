"""The process library: packages read from folders, validated, stored as versions, edited, compared, rolled out.

``package`` reads a folder into a content-addressed bundle; ``validation`` (with
``lint``) checks everything before ``versions`` stores it; ``specs`` parses a
version once per process; ``extensions`` names the engine's BPMN dialect;
``forms`` validates submitted data against a form; ``editing`` saves a process
owner's edits; ``diff`` says what changed between versions; ``rollout`` deploys
versions to properties.
"""
