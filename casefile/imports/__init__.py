"""Check a case export before anything is written, then write exactly the one case it holds.

A file handed to `import_case` may have been edited since `export_case`
wrote it, so nothing in it is taken on trust. `plan_import` reads it without
writing and refuses, in one line naming the place, anything that is not a
record of the one case the file declares: a row of another kind (a user
account, a group), a record of another case, an id the database already
uses, a version or decision of a record the file does not hold, a person the
file does not list, a value its field does not accept, a decision the
approval workflow would have refused. People are only ever named: someone
new is created inactive, with no password, no staff or superuser flag, no
groups and, unless asked, no email address; someone already in the database
is matched by username and left exactly as they are. `write_import` then
writes the plan in one transaction.

- `rows`: the file read row by row, each value checked by its field;
- `integrity`: the rows make one whole case, with ids free in the database;
- `editorial`: its decisions are ones the approval workflow would take;
- `plan`: what the import writes, for the person about to run it;
- `writing`: the plan written, all of it or none (or, for a dry run, checked
  against the rows as written, then taken back).
"""

from .plan import ImportPlan, plan_import
from .rows import ImportRefused, read_export
from .writing import write_import

__all__ = ["ImportPlan", "ImportRefused", "plan_import", "read_export", "write_import"]
