"""Whether two actors may be one: their names compared as FtM's name matching (`rigour`) compares them."""

from rigour.names import normalize_name, replace_org_types_compare


def name_key(name):
    """A name as it is compared: case, accents, punctuation and the form of a company's type set aside
    ("Fuzhou Genesis Limited" is "fuzhou genesis ltd")."""
    normal = normalize_name(name or "")
    return replace_org_types_compare(normal) if normal else ""


def matching_actors(names, actors):
    """The actors whose name or an alias is, compared as `name_key()` compares them, one of `names`."""
    wanted = {name_key(name) for name in names} - {""}
    return [actor for actor in actors if wanted & {name_key(known) for known in [actor.name, *actor.alias_list]}]
