"""How fast it runs (`make bench`): training and evaluation (`training`), the runner and wide sweeps (`sweeps`)."""
