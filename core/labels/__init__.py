"""What field labels mean, in English, German, French, Spanish, Italian, Dutch and Swedish.

One lexicon for every reader of labels: autofill matches a form's fields with it, and the persona
reads a document's "Label: value" lines and table headers with it.
"""
