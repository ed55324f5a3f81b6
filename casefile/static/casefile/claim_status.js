/* The status of a fact, an event or a relationship follows the stances of its citations as they are
   entered, so that it is saved as an editor can approve it, in one save.

   Which statuses each set of stances bears out, and which to suggest, the server works out with the
   rule an approval applies (data-statuses-borne-out on the status list): this file only looks them
   up. A status the person chose by hand is left alone; they are told what the citations bear out. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
    const status = document.getElementById("id_status");
    const group = document.getElementById("citations-group");
    if (!status || !group || !status.dataset.statusesBorneOut) {
        return;
    }
    const table = JSON.parse(status.dataset.statusesBorneOut);
    const note = document.createElement("div");
    note.id = "status-suggestion";
    note.className = "help status-suggestion";
    note.setAttribute("aria-live", "polite");
    status.parentElement.insertAdjacentElement("afterend", note);
    let chosenByHand = false;
    let setHere = false;

    const labelOf = (value) => status.querySelector(`option[value="${value}"]`).textContent;
    const either = (values) => values.map(labelOf).join(" or ");

    // The stances of the citations that will be saved: rows with a source, not ticked for deletion.
    function cited() {
        const stances = new Set();
        for (const stance of group.querySelectorAll("select[id^='id_citations-'][id$='-stance']")) {
            const row = stance.id.slice(0, -"stance".length);
            const source = document.getElementById(`${row}source`);
            const deleted = document.getElementById(`${row}DELETE`);
            if (!row.includes("__prefix__") && source && source.value && !(deleted && deleted.checked)) {
                stances.add(stance.value);
            }
        }
        return table[[...stances].sort().join(",")];
    }

    function say(text, suggested) {
        if (!text) {
            note.replaceChildren();
            return;
        }
        note.replaceChildren(text);
        if (suggested) {
            const use = document.createElement("button");
            use.type = "button";
            use.className = "button";
            use.textContent = `Make it ${labelOf(suggested)}`;
            use.addEventListener("click", () => {
                status.value = suggested;
                chosenByHand = true;
                setHere = false;
                say(`Status: ${labelOf(suggested)}, as the citations below bear out.`);
            });
            note.append(" ", use);
        }
    }

    function follow(citationsChanged) {
        const entry = cited();
        if (!entry) {
            return;
        }
        if (entry.borne_out.includes(status.value)) {
            if (!setHere) {
                say("");
            }
            return;
        }
        if (citationsChanged && !chosenByHand) {
            status.value = entry.suggested;
            setHere = true;
            say(`Status set to ${labelOf(entry.suggested)}: with the citations below, an editor can approve it `
                + `only as ${either(entry.borne_out)}.`);
            return;
        }
        setHere = false;
        say(`With the citations below, an editor cannot approve it as ${labelOf(status.value)}: only as `
            + `${either(entry.borne_out)}.`, entry.suggested);
    }

    function changed(event) {
        if (event.target === status) {
            chosenByHand = true;
            setHere = false;
            follow(false);
        } else if (group.contains(event.target)) {
            follow(true);
        }
    }

    // Changes a person makes; the admin's own scripts announce changes of their own through jQuery,
    // which these listeners do not hear, but for a source picked in an autocomplete box.
    document.addEventListener("change", changed);
    if (window.django && window.django.jQuery) {
        window.django.jQuery(document).on("select2:select select2:unselect", changed);
    }
    document.addEventListener("formset:added", () => follow(true));
    document.addEventListener("formset:removed", () => follow(true));
    follow(false);
});
