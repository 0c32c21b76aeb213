"""The autoencoders, the regularizer terms that anchor a concept, and what is done to a trained model: interventions and surgery."""
