"""Developer tools: the stack runner, evaluation, calibration, peers and benchmarks. Never imported by bot/."""
