"""The autoencoders (`autoencoders`), the terms that anchor a concept (`regularizers`), and what is done
to a trained model: `interventions` at the latent and `surgery`.
"""
