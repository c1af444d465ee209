// Once a form is posting, its submit buttons are disabled: a second press would file, pay or answer twice.
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

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post" || form.hasAttribute("data-resubmit")) {
      return;
    }
    form.setAttribute("aria-busy", "true");
    // After the browser has read the form: a button disabled sooner would not send its name and value.
    window.setTimeout(function () {
      buttons(form).forEach(function (button) {
        if (!button.disabled) {
          button.disabled = true;
          button.dataset.busy = "1";
        }
      });
    }, 0);
    // A download answers without leaving the page: let the person press again after a while.
    window.setTimeout(function () { release(form); }, 15000);
  });

  // Back to a page the browser kept in memory: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      Array.prototype.forEach.call(document.forms, release);
    }
  });
})();
