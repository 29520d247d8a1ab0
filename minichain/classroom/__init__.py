"""A class on one server: JupyterHub with a separate Unix user per trainee, and a course service
that hands exercises out, collects them, grades them with `minichain grade` and gives the
feedback back — through each trainee's own Jupyter server, never a shared exchange folder.

- `accounts`: trainees' Unix accounts and their homes (the boundary between trainees);
- `trainee_files`: a trainee's files, through her server's contents API, via the hub;
- `course`: release, collect, grade, return — the course's folder is the instructor's;
- `service`: the course as a JupyterHub service with its own scoped token;
- `hub_config`: the hub's configuration (deploy/hub/jupyterhub_config.py calls it).

This layer sits beside the CLI, above grading; it needs the `hub` extra (JupyterHub).
"""
