"""The tagger's feature extractors: character n-grams computed over a batch, and the codebook's cue lexicons."""
