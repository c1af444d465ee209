/* The counter form, made quicker with JavaScript; each piece works without it too (a search submits the words,
   "Find" posts the form, the buttons simply submit). */
(function () {
  "use strict";

  // Accents and case ignored, "đ" as "d": "giay phep xay dung" finds "Giấy phép xây dựng".
  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function filterProcedures() {
    var filter = document.getElementById("procedure-filter");
    var select = document.getElementById("procedure");
    var count = document.getElementById("procedure-count");
    if (!filter || !select) return;
    var apply = function () {
      var words = plain(filter.value).split(/\s+/).filter(Boolean);
      var shown = 0, first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        // The group's level and field count too: "ho tich khai sinh".
        var text = plain((option.parentNode.label || "") + " " + option.textContent);
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        option.hidden = !match;
        option.disabled = !match;
        if (match) { shown += 1; first = first || option; }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      var selected = select.options[select.selectedIndex];
      if (words.length && first && (!selected || !selected.value || selected.hidden)) first.selected = true;
      // While words filter it, the list stays open to show what matches.
      if (words.length) {
        // One row for "—", one per group and per procedure shown.
        select.size = Math.min(1 + shown + select.querySelectorAll("optgroup:not([hidden])").length, 12);
      } else {
        select.removeAttribute("size");
      }
      if (count) count.textContent = words.length ? count.dataset.label + " " + shown : "";
    };
    filter.addEventListener("input", function () {
      // What was wrong with the last choice no longer applies once the officer types again.
      filter.form.querySelectorAll(".errorlist").forEach(function (errors) { errors.remove(); });
      filter.form.querySelectorAll(".errors").forEach(function (field) { field.classList.remove("errors"); });
      apply();
    });
    if (filter.value) apply();
  }

  function fill(form, applicant, onlyEmpty) {
    Object.keys(applicant).forEach(function (key) {
      var input = form.elements["applicant_" + key];
      if (input && applicant[key] && (!onlyEmpty || !input.value)) input.value = applicant[key];
    });
  }

  function findApplicant() {
    var button = document.getElementById("find-applicant");
    var status = document.getElementById("applicant-lookup");
    if (!button || !window.fetch) return;
    var form = button.form, number = form.elements.applicant_identity_number;
    var look = function (onlyEmpty) {
      var body = new FormData();
      body.append("identity_number", number.value);
      body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      return fetch(button.dataset.url, {method: "POST", body: body, credentials: "same-origin",
                                        headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer.applicant) fill(form, answer.applicant, onlyEmpty);
          status.textContent = answer.detail || "";
        })
        .catch(function () { form.requestSubmit(button); });
    };
    button.addEventListener("click", function (event) {
      event.preventDefault();
      look(false);
    });
    // Leaving a complete number looks it up too, filling only what is still empty.
    number.addEventListener("change", function () {
      if (/^\d{12}$/.test(number.value.replace(/\s/g, ""))) look(true);
    });
  }

  // Going back to a form that was sent, the browser fetches the page again (the admin's pages are not cached)
  // with a new one-time token but restores what was typed: the sent form's token is put back, so sending it again
  // shows the dossier filed instead of filing another.
  function keepToken() {
    var form = document.getElementById("walk-in");
    var token = form && form.elements.token;
    if (!token || !window.sessionStorage) return;
    var key = "counter-token:" + location.pathname + location.search;
    var navigation = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    if (navigation && navigation.type === "back_forward" && sessionStorage.getItem(key)) {
      token.value = sessionStorage.getItem(key);
    }
    form.addEventListener("submit", function () { sessionStorage.setItem(key, token.value); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    keepToken();
    filterProcedures();
    findApplicant();
  });
})();
