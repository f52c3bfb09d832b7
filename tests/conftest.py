import pytest


@pytest.fixture(scope="session")
def nlp():
    from warlog.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def extract(nlp):
    """Extract one report through the real pipeline: text in, Extraction out."""
    from warlog.events import default_extractor
    from warlog.records import Document

    extractor = default_extractor()

    def run(text: str, published: str | None = None, country: str | None = None, doc_id: str = "t1"):
        document = Document(id=doc_id, text=text, published=published, country=country)
        return extractor.extract(nlp(document.text), document)

    return run
