// Once a form is posting (or is any form marked data-disable-on-submit), its submit buttons are disabled and a
// second submission is held back: a second press would file, pay or answer twice. On every portal and admin page.
(function () {
  "use strict";

  function buttons(form) {
    var own = Array.prototype.slice.call(form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]"));
    var outside = form.id ? Array.prototype.slice.call(document.querySelectorAll("[form='" + form.id + "']")) : [];
    return own.concat(outside.filter(function (el) { return el.type === "submit"; }));
  }

  function release(form) {
    form.removeAttribute("aria-busy");
    buttons(form).forEach(function (button) {
      if (button.dataset.busy) {
        button.disabled = false;
        delete button.dataset.busy;
      }
    });
  }

  // Capturing: the buttons are marked before any handler of the page's own runs; a form that one of them keeps
  // from being sent (event.preventDefault) is released at once.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var posting = (form.method || "").toLowerCase() === "post" || form.hasAttribute("data-disable-on-submit");
    if (!posting || form.hasAttribute("data-resubmit")) {
      return;
    }
    if (form.getAttribute("aria-busy")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("aria-busy", "true");
    // After the browser has read the form: a button disabled sooner would not send its name and value.
    window.setTimeout(function () {
      if (event.defaultPrevented) {
        form.removeAttribute("aria-busy");
        return;
      }
      buttons(form).forEach(function (button) {
        if (!button.disabled) {
          button.disabled = true;
          button.dataset.busy = "1";
        }
      });
    }, 0);
    // A download answers without leaving the page: let the person press again after a while.
    window.setTimeout(function () { release(form); }, 15000);
  }, true);

  // Back to a page the browser kept in memory: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      Array.prototype.forEach.call(document.forms, release);
    }
  });
})();
