// Jishi's only script: participant chips, suggested duties, the unsent-entry draft. No build step, and no inline
// script or handler anywhere: the Content-Security-Policy allows scripts from this origin's files only.
(function () {
  "use strict";

  function chip(label, inputs) {
    var span = document.createElement("span");
    span.className = "chip";
    span.appendChild(document.createTextNode(label));
    inputs.forEach(function (el) { span.appendChild(el); });
    var remove = document.createElement("button");
    remove.type = "button";
    remove.setAttribute("aria-label", "移除");
    remove.textContent = "×";
    span.appendChild(remove);
    return span;
  }

  function hidden(name, value) {
    var input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value;
    return input;
  }

  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-pick]");
    if (option) {
      event.preventDefault();
      var form = option.closest("form");
      var chips = form.querySelector("[data-chips]");
      var kind = option.dataset.pick;
      // A chips box names its field (data-chip-name: the task form's 承办人) and may hold one person (data-single).
      var personField = chips.dataset.chipName || "participants";
      if (kind === "person" && chips.hasAttribute("data-single")) chips.innerHTML = "";
      var exists = chips.querySelector('input[name="' + (kind === "person" ? personField : "partner_unit") +
        '"][value="' + option.dataset.id + '"]');
      if (!exists) {
        var inputs = [];
        if (kind === "person") {
          inputs.push(hidden(personField, option.dataset.id));
        } else {
          inputs.push(hidden("partner_unit", option.dataset.id));
          var contact = document.createElement("input");
          contact.type = "text"; contact.name = "partner_contact"; contact.placeholder = "联系人（可选）";
          inputs.push(contact);
        }
        chips.appendChild(chip(option.dataset.label, inputs));
      }
      var box = option.closest(".options");
      box.innerHTML = "";
      var search = form.querySelector('[data-search-for="' + kind + '"]');
      if (search) { search.value = ""; search.focus(); }
      saveDraft(form);
      return;
    }
    // A suggested duty (duties/_suggestions.html) fills the form's duty select, as if chosen there.
    var duty = event.target.closest(".duty-pick[data-duty]");
    if (duty && duty.form) {
      var select = duty.form.elements.namedItem("duty");
      select.value = duty.dataset.duty;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      Array.prototype.forEach.call(duty.parentNode.querySelectorAll(".duty-pick"), function (b) {
        b.setAttribute("aria-pressed", String(b === duty));
      });
      return;
    }
    // 一次记多条 opens the day mode below the form in place (without script the link opens it as a page).
    var opener = event.target.closest("[data-open-details]");
    if (opener) {
      var panel = document.getElementById(opener.dataset.openDetails);
      if (panel) {
        event.preventDefault();
        panel.open = true;
        var first = panel.querySelector("textarea, input:not([type=hidden])");
        panel.scrollIntoView({ block: "start" });
        if (first) first.focus({ preventScroll: true });
        return;
      }
    }
    var remove = event.target.closest(".chip button");
    if (remove) {
      var f = remove.closest("form");
      remove.closest(".chip").remove();
      if (f) saveDraft(f);
    }
  });

  // The unsent entry survives a reload: the quick-entry form is mirrored into localStorage.
  function draftKey(form) { return "jishi-draft:" + form.dataset.draft; }

  function saveDraft(form) {
    if (!form.dataset.draft) return;
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.name === "csrfmiddlewaretoken" || el.name === "partner_contact") return;
      data[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    var chips = form.querySelector("[data-chips]");
    data.__chips = chips ? chips.innerHTML : "";
    try { localStorage.setItem(draftKey(form), JSON.stringify(data)); } catch (e) { /* storage full or off */ }
  }

  function restoreDraft(form) {
    if (!form.dataset.draft || form.dataset.fresh !== "1") return;
    var raw = null;
    try { raw = localStorage.getItem(draftKey(form)); } catch (e) { return; }
    if (!raw) return;
    var data = JSON.parse(raw);
    Object.keys(data).forEach(function (name) {
      if (name === "__chips") return;
      var el = form.elements.namedItem(name);
      if (!el || el.type === "hidden") return;
      if (el.type === "checkbox") { el.checked = !!data[name]; } else { el.value = data[name]; }
    });
    var chips = form.querySelector("[data-chips]");
    if (chips && data.__chips) chips.innerHTML = data.__chips;
    var note = form.querySelector("[data-draft-note]");
    if (note && (data.content || data.text)) note.hidden = false;
    // A restored day mode opens, so that the person sees their lines.
    var panel = form.closest("details");
    if (panel && data.text) panel.open = true;
  }

  function clearDraft(form) {
    try { localStorage.removeItem(draftKey(form)); } catch (e) { /* ignore */ }
  }

  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.dataset.draft) saveDraft(form);
  });
  document.addEventListener("change", function (event) {
    // A date picker that opens its day at once (the unit page): no inline handler, the policy forbids them.
    if (event.target.matches("[data-autosubmit]") && event.target.form) {
      event.target.form.requestSubmit();
      return;
    }
    var form = event.target.form;
    if (form && form.dataset.draft) saveDraft(form);
  });

  function init() {
    // A page that follows a save clears the draft first, so the saved entry does not come back.
    Array.prototype.forEach.call(document.querySelectorAll("[data-saved]"), function (marker) {
      var form = document.querySelector('form[data-draft="' + marker.dataset.saved + '"]');
      if (form) clearDraft(form);
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), restoreDraft);
  }

  // Errors and confirmations where the eye is: after a swap, the first invalid field (or wrong line) is scrolled to
  // the middle of the screen and focused; a confirmation is scrolled into view; both are read out by the live region
  // (#entry-live), which stays outside the swapped part so that screen readers notice its change.
  function announce(text) {
    var live = document.getElementById("entry-live");
    if (!live || !text) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text.replace(/\s+/g, " ").trim(); }, 60);
  }

  function firstInvalid(root) {
    var found = root.querySelector('[aria-invalid="true"], [data-invalid], .field .errorlist') ||
      root.querySelector("[data-error-summary]");
    if (found && found.classList.contains("errorlist")) {
      var field = found.closest(".field");
      found = (field && field.querySelector("input:not([type=hidden]), select, textarea")) || found;
    }
    return found;
  }

  function showOutcome(root) {
    var invalid = firstInvalid(root);
    if (invalid) {
      if (!invalid.matches("input, select, textarea, button, [tabindex]")) invalid.setAttribute("tabindex", "-1");
      invalid.scrollIntoView({ block: "center" });
      invalid.focus({ preventScroll: true });
      var summary = root.querySelector("[data-error-summary]");
      var where = invalid.closest(".field, li");
      var message = where && where.querySelector(".errorlist");
      announce((summary ? summary.textContent + " " : "") + (message ? message.textContent : ""));
      return;
    }
    var done = root.querySelector("[data-announce]");
    if (done) {
      done.scrollIntoView({ block: "center" });
      announce(done.textContent);
      return;
    }
    // A preview: its first line at the top of the screen, below the header (its buttons follow right after).
    var preview = root.querySelector(".preview");
    if (preview) preview.scrollIntoView({ block: "start" });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var details = target.closest("details");
    if (details) details.open = true;
    showOutcome(target);
  });

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("DOMContentLoaded", function () {
    // A full page that comes back with errors (no htmx) shows them the same way.
    var form = document.querySelector("[data-error-summary]");
    if (form) showOutcome(form.closest("form") || document);
  });
  document.addEventListener("jishi:record-saved", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), clearDraft);
  });
})();
