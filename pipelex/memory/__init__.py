"""Working memory: stuffs, absences, and the shaping of caller inputs."""
