from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.models import Commune


@pytest.mark.django_db
def test_the_35_communes_of_valenciennes_metropole_are_shipped():
    assert Commune.objects.count() == 35
    valenciennes = Commune.objects.get(insee_code="59606")
    assert (valenciennes.name, valenciennes.postal_code) == ("Valenciennes", "59300")
    # Two neighbours of Porte du Hainaut are not part of the territory.
    assert not Commune.objects.filter(name__in=["Escautpont", "Trith-Saint-Léger"]).exists()


def _write(tmp_path, text):
    path = tmp_path / "communes.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_load_another_territory_updates_and_deactivates(tmp_path):
    path = _write(
        tmp_path,
        "insee_code,name,postal_code\n59350,Lille,59000\n59606,Valenciennes,59300\n",
    )
    out = StringIO()
    call_command("load_communes", path, "--deactivate-missing", stdout=out)
    assert "1 créée(s), 0 mise(s) à jour, 34 désactivée(s)" in out.getvalue()
    assert set(Commune.objects.filter(active=True).values_list("insee_code", flat=True)) == {
        "59350",
        "59606",
    }
    # Loading the same file again changes nothing.
    out = StringIO()
    call_command("load_communes", path, stdout=out)
    assert "0 créée(s), 0 mise(s) à jour, 0 désactivée(s)" in out.getvalue()


@pytest.mark.parametrize(
    "text,message",
    [
        ("code,nom,cp\n59350,Lille,59000\n", "En-tête attendu"),
        ("insee_code,name,postal_code\n5935,Lille,59000\n", "Ligne 2"),
        ("insee_code,name,postal_code\n59350,Lille,590\n", "code postal"),
        ("insee_code,name,postal_code\n59350,,59000\n", "nom de commune absent"),
        ("insee_code,name,postal_code\n59350,Lille,59000\n59350,Lille,59000\n", "en double"),
        ("insee_code,name,postal_code\n", "aucune commune"),
    ],
)
@pytest.mark.django_db
def test_bad_csv_is_refused_with_a_clear_message_and_nothing_changes(tmp_path, text, message):
    before = list(Commune.objects.values_list("insee_code", "name", "active"))
    with pytest.raises(CommandError, match=message):
        call_command("load_communes", _write(tmp_path, text), stdout=StringIO())
    assert list(Commune.objects.values_list("insee_code", "name", "active")) == before


@pytest.mark.django_db
def test_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("load_communes", str(tmp_path / "absent.csv"), stdout=StringIO())
