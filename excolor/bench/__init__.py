"""How fast it runs: training and evaluation (`training`), and the runner and wide sweeps (`sweeps`); `make bench` writes both."""
