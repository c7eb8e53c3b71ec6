"""Loading a built dataset: what its card declares, and its rows, never stale.

There is no loading script: ``datasets.load_dataset("<abs path>/dataset",
config)`` reads the JSON Lines files with the features the card declares.
:func:`declared` parses those declarations with the ``datasets`` library's
own readers.

Loading
    ``datasets`` caches a local folder under a key computed from the card and
    the file names, not the file contents, so after a rebuild
    ``load_dataset`` with a shared cache can serve stale rows. :func:`load`
    never does: it reads the JSON Lines files each time
    (:func:`tahaluf.core.jsonio.read_jsonl`) and encodes them with the
    features declared in the card (``Dataset.from_list``), no cache.
"""

from __future__ import annotations

from pathlib import Path

from tahaluf.core import paths
from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.jsonio import read_jsonl
from tahaluf.dataset.configs import DEFAULT_CONFIG, check_config


def declared(dataset_dir: str | Path | None = None) -> tuple[dict, dict]:
    """(config -> DatasetInfo, config -> metadata config) as the card declares them,
    parsed by the ``datasets`` library's own readers."""
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    folder = Path(dataset_dir) if dataset_dir is not None else paths.dataset_dir()
    readme = folder / "README.md"
    if not readme.is_file():
        raise TahalufError(f"{folder}: no dataset card README.md; run `tahaluf build`")
    data = DatasetCard.load(readme).data
    return DatasetInfosDict.from_dataset_card_data(data), MetadataConfigs.from_dataset_card_data(data)


def load(config: str = DEFAULT_CONFIG, split: str | None = None, *, dataset_dir: str | Path | None = None):
    """A config of the built dataset, read fresh from its files (never a stale cache).

    ``split`` is ``train``, ``validation``, ``test``, several joined by ``+``
    (``"train+validation+test"``: the whole corpus, for cross-validation), or
    ``None`` for a :class:`datasets.DatasetDict` of every split; the
    ``speakers`` registry has the one split ``registry``
    (:func:`tahaluf.dataset.configs.splits_of`). Rows are
    encoded with the features the card declares, so ClassLabel columns hold
    ids and ``ds.features`` has the names.
    """
    from datasets import Dataset, DatasetDict, concatenate_datasets

    check_config(config)
    folder = (Path(dataset_dir) if dataset_dir is not None else paths.dataset_dir()).resolve()
    infos, mconfigs = declared(folder)
    if config not in infos or config not in mconfigs:
        raise TahalufError(f"{folder}/README.md does not declare config {config!r}; rebuild with `tahaluf build`")
    info = infos[config]
    files = {d["split"]: d["path"] for d in mconfigs[config]["data_files"]}

    def one(s: str) -> Dataset:
        if s not in files:
            raise TahalufError(f"unknown split {s!r} of config {config!r}. {did_you_mean(s, files)}")
        p = folder / files[s]
        try:
            rows = read_jsonl(p)
        except (OSError, ValueError) as e:
            raise TahalufError(f"{p}: cannot read: {e}") from e
        try:
            if not rows:
                return Dataset.from_dict({k: [] for k in info.features}, features=info.features, split=s)
            return Dataset.from_list(rows, features=info.features, split=s)
        except (ValueError, TypeError, KeyError) as e:
            raise TahalufError(f"{p}: rows do not fit the declared features: {e}") from e

    if split is None:
        return DatasetDict({s: one(s) for s in files})
    parts = [one(s.strip()) for s in split.split("+")]
    return parts[0] if len(parts) == 1 else concatenate_datasets(parts)
