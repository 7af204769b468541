"""Reading documents: find them, decode and extract their text, clean it, split it into passages, tokenise
them, find the member states they mention, and store them (see the README's "How a document is read")."""
