"""Making the ONNX graph of a sentence-transformers embedder, once, from its packaged weights (needs torch).

``export_onnx(model_dir, out_path)`` traces the folder's transformer with ``torch.onnx.export``
(the TorchScript exporter: batch and sequence axes dynamic, opset ``OPSET``), writes it to a
temporary file beside ``out_path``, checks it (``verify_onnx``: every one of ``VERIFY_TEXTS``,
queries and ~200-word passages in five languages, must give a vector within cosine
``MIN_COSINE`` of sentence-transformers' own), and only then moves it into place. A graph
that fails the check is removed and an ``EmbedderError`` says by how much it missed.

The TorchScript exporter hands its output to the ``onnx`` package only to add custom
onnxscript functions, which this graph has none of; Mnemo does not depend on ``onnx``, so
when it is missing that step is skipped (``_without_onnx_package``).
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from models.errors import EmbedderError
from models.onnx_embedder import OnnxEmbedder, read_pipeline

OPSET = 18
MIN_COSINE = 0.999
INPUTS = ("input_ids", "attention_mask", "token_type_ids")

_PASSAGE_SENTENCES = {
    "en": ["The meeting with the landlord was moved to Thursday at half past four because the plumber could "
           "not come earlier.", "I paid the deposit of 1,250 euros by bank transfer and kept the receipt in the "
           "blue folder.", "My sister Anna lives in Gothenburg with her two children and a very old cat called "
           "Pixel.", "Last spring we stayed in a small hotel near the harbour in Lisbon for five nights.",
           "The doctor said the knee would heal within six weeks if I kept cycling instead of running.",
           "Our train left Munich at 7:12 and reached Vienna a little after eleven, later than planned.",
           "Please remember to renew the car insurance before the end of March; the policy number is on the "
           "letter.", "We planted tomatoes, basil and two rows of beans in the garden behind the house.",
           "The new project at work is about moving the billing system to a service that runs every night.",
           "On Sunday evenings I call my grandparents, who still write letters by hand and send photographs."],
    "de": ["Der Termin beim Zahnarzt wurde auf Dienstag um halb neun verschoben, weil die Praxis umgebaut wird.",
           "Meine Schwester wohnt seit zwei Jahren in Leipzig und arbeitet dort als Lehrerin an einer Grundschule.",
           "Im letzten Frühling haben wir eine Woche in einer Ferienwohnung am Bodensee verbracht.",
           "Die Stromrechnung über 86 Euro muss bis zum fünfzehnten des Monats überwiesen werden.",
           "Mein Bruder hat im Juni geheiratet, und die Feier fand in einem alten Gasthof auf dem Land statt.",
           "Für die Steuererklärung brauche ich noch die Bescheinigung der Krankenkasse und die Lohnabrechnung.",
           "Am Wochenende fahren wir mit dem Fahrrad an der Elbe entlang bis nach Meißen und zurück.",
           "Die Heizung in der Küche macht seit Tagen seltsame Geräusche, der Hausmeister kommt morgen.",
           "Ich habe angefangen, Italienisch zu lernen, weil wir im Herbst nach Bologna reisen wollen.",
           "Unser Hund braucht jeden Morgen einen langen Spaziergang, sonst ist er den ganzen Tag unruhig."],
    "fr": ["Le rendez-vous chez le médecin a été déplacé à jeudi matin parce que le cabinet était fermé.",
           "Ma conjointe travaille à Lyon dans une petite entreprise qui fabrique des vélos électriques.",
           "Au printemps dernier, nous avons loué une maison en Bretagne près d'une plage très calme.",
           "Le loyer de l'appartement est de 930 euros par mois, charges comprises, payé le premier du mois.",
           "Mon père a pris sa retraite l'année dernière et passe maintenant ses journées dans son jardin.",
           "Il faut renouveler le passeport avant le voyage au Canada prévu pour la fin de l'été.",
           "Nous avons dîné dans un restaurant du vieux port où le poisson était vraiment excellent.",
           "Les enfants commencent l'école à huit heures et demie et finissent à seize heures trente.",
           "J'ai acheté un nouvel ordinateur portable parce que l'ancien ne démarrait plus du tout.",
           "Chaque samedi matin, je vais au marché acheter des légumes, du fromage et du pain frais."],
    "es": ["La reunión con el banco se cambió al lunes a las diez porque el asesor estaba de viaje.",
           "Mi hermano vive en Valencia y trabaja como enfermero en un hospital cerca de la playa.",
           "La primavera pasada nos alojamos en un pequeño hotel en Sevilla durante cuatro noches.",
           "Pagué la matrícula del curso de inglés, 340 euros, con la tarjeta de crédito el martes.",
           "Mi abuela cumple noventa años en agosto y toda la familia se reunirá en su pueblo.",
           "Tengo que llevar el coche al taller porque los frenos hacen un ruido muy extraño.",
           "Los domingos solemos caminar por el parque del Retiro y tomar un café en la terraza.",
           "El contrato de alquiler termina en diciembre y todavía no sabemos si lo vamos a renovar.",
           "Empecé a aprender a tocar la guitarra con un profesor que vive en el mismo edificio.",
           "Nuestra hija quiere estudiar biología en Granada cuando termine el instituto el próximo año."],
    "sv": ["Mötet med hyresvärden flyttades till torsdag eftermiddag eftersom rörmokaren var sjuk.",
           "Min systers man arbetar på ett sjukhus i Uppsala och pendlar med tåg varje dag.",
           "Förra våren bodde vi en vecka i en stuga vid en sjö i Dalarna utan internet.",
           "Elräkningen på 742 kronor ska betalas senast den sista i månaden via autogiro.",
           "Min bror föddes i Malmö men flyttade till Stockholm när han började studera.",
           "Vi måste förnya bilförsäkringen innan mars, annars gäller den inte längre.",
           "På lördagar brukar jag baka bröd och bjuda grannarna på kaffe och kanelbullar.",
           "Barnen börjar skolan klockan åtta och slutar vid tre på eftermiddagen.",
           "Jag har börjat springa tre gånger i veckan längs vattnet i parken nära jobbet.",
           "Vår katt försvann i två dagar men kom tillbaka hungrig och nöjd på söndagen."],
}
_QUERIES = [
    "Where did I stay last spring?", "When is the dentist appointment?", "my sister's children",
    "How much was the deposit?", "car insurance policy number", "Wo wohnt meine Schwester?",
    "Wann muss die Stromrechnung bezahlt werden?", "Hochzeit meines Bruders", "Où avons-nous loué une maison ?",
    "combien coûte le loyer", "le passeport du voyage", "¿Dónde vive mi hermano?", "cumpleaños de la abuela",
    "¿Cuánto costó el curso de inglés?", "Var bodde vi förra våren?", "När föddes min bror?",
    "elräkning autogiro", "e-mail anna.berg@example.com", "+46 70 123 45 67", "2024-03-31",
    "", "   ", "OK", "🙂 thanks!", "IBAN DE89 3704 0044 0532 0130 00",
]


def _passages() -> list[str]:
    """Two ~200-word passages per language (the sentences twice over, in two orders), and one past 256 tokens."""
    out = []
    for sentences in _PASSAGE_SENTENCES.values():
        out.append(" ".join(sentences + sentences[::-1][:4]))
        out.append(" ".join(sentences[5:] + sentences + sentences[:3]))
    out.append(" ".join(s for ss in _PASSAGE_SENTENCES.values() for s in ss))  # truncated at max_seq_length
    return out


VERIFY_TEXTS: tuple[str, ...] = tuple(_QUERIES + [s for ss in _PASSAGE_SENTENCES.values() for s in ss[:2]]
                                      + _passages())


@contextlib.contextmanager
def _without_onnx_package() -> Iterator[None]:
    """Skip the exporter's custom-function pass when the ``onnx`` package is absent (this graph has none)."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        pass
    else:
        yield
        return
    from torch.onnx._internal.torchscript_exporter import onnx_proto_utils as utils

    original = utils._add_onnxscript_fn
    utils._add_onnxscript_fn = lambda model_bytes, custom_opsets: model_bytes  # type: ignore[assignment]
    try:
        yield
    finally:
        utils._add_onnxscript_fn = original  # type: ignore[assignment]


def _load_sentence_transformer(model_dir: Path) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    except Exception as exc:
        raise EmbedderError(f"The embedding model in {model_dir} could not be loaded ({exc}).",
                            "Check model.embedder_path: it must be a sentence-transformers model folder.") from exc


def reference_vectors(st_model: Any, texts: Sequence[str]) -> np.ndarray:
    """sentence-transformers' unit vectors for ``texts`` (what ``models.embedder.Embedder.embed`` gives)."""
    vecs = st_model.encode(list(texts), batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                           show_progress_bar=False)
    return np.asarray(vecs, dtype=np.float32)


def verify_onnx(onnx_path: str | Path, model_dir: str | Path, texts: Sequence[str] = VERIFY_TEXTS,
                st_model: Any = None) -> np.ndarray:
    """Cosine between the ONNX and the sentence-transformers vector of each of ``texts`` (needs torch)."""
    st_model = st_model if st_model is not None else _load_sentence_transformer(Path(model_dir))
    ref = reference_vectors(st_model, texts)
    got = OnnxEmbedder(onnx_path, model_dir).embed(list(texts))
    return np.sum(ref * got, axis=1) / np.maximum(
        np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1), 1e-12)


def _trace(st_model: Any, model_dir: Path, path: Path) -> None:
    import torch

    transformer = st_model[0].auto_model.eval()
    if hasattr(transformer, "set_attn_implementation"):
        transformer.set_attn_implementation("eager")  # a plain masked softmax traces the same for every shape

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    # Two texts of different lengths, so the example has padding and the mask is not all ones.
    tok = st_model.tokenizer(["a short one", "a somewhat longer example sentence for the trace"],
                             padding=True, return_tensors="pt")
    args = tuple(tok.get(n, torch.zeros_like(tok["input_ids"])) for n in INPUTS)
    axes = {n: {0: "batch", 1: "sequence"} for n in (*INPUTS, "last_hidden_state")}
    with warnings.catch_warnings(), _without_onnx_package(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(LastHiddenState(transformer), args, str(path), dynamo=False, opset_version=OPSET,
                          input_names=list(INPUTS), output_names=["last_hidden_state"], dynamic_axes=axes,
                          do_constant_folding=True)


def export_onnx(model_dir: str | Path, out_path: str | Path, min_cosine: float = MIN_COSINE,
                texts: Sequence[str] = VERIFY_TEXTS) -> Path:
    """Make ``out_path``, the checked ONNX graph of the embedder in ``model_dir``; returns ``out_path``.

    Slow (torch and sentence-transformers are loaded; ~10-30 s on a small CPU): run it once,
    as a job, and cache the result under ``onnx_cache_path``.
    """
    model_dir = Path(model_dir).expanduser()
    out = Path(out_path)
    read_pipeline(model_dir)  # refuses, before torch is loaded, a folder the ONNX embedder cannot run
    out.parent.mkdir(parents=True, exist_ok=True)
    st_model = _load_sentence_transformer(model_dir)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            _trace(st_model, model_dir, tmp)
        except Exception as exc:
            raise EmbedderError(f"The embedder in {model_dir} could not be exported to ONNX ({exc}).",
                                "Use the torch embedder for this model.") from exc
        cosines = verify_onnx(tmp, model_dir, texts, st_model)
        worst = int(np.argmin(cosines))
        if not float(cosines[worst]) >= min_cosine:
            raise EmbedderError(
                f"The ONNX export of the embedder in {model_dir} does not give its vectors: cosine "
                f"{float(cosines[worst]):.6f} < {min_cosine} on text {worst} ({texts[worst][:40]!r}; mean "
                f"{float(np.mean(cosines)):.6f} over {len(texts)} texts). It was not kept.",
                "Use the torch embedder for this model.")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
