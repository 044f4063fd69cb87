// travelbot console: the little that script adds. Every page works without
// it: it moves focus to a result, and asks before a dismiss.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector("#res-h, #dr-h, #flash");
  if (target) {
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
});
