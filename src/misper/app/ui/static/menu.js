// The GOV.UK service navigation pattern: on a narrow screen each menu marked
// data-collapsible folds behind its "Menu" button so the page's own work comes first; on a wide
// screen the button is hidden and the menu shown. Without this script every menu is shown whole.
(function () {
  var wide = window.matchMedia("(min-width: 40.0625rem)");
  var toggles = document.querySelectorAll("button[data-menu-toggle]");
  function lay(button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    if (wide.matches) {
      button.hidden = true;
      menu.hidden = false;
    } else {
      button.hidden = false;
      menu.hidden = button.getAttribute("aria-expanded") !== "true";
    }
  }
  Array.prototype.forEach.call(toggles, function (button) {
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      lay(button);
    });
    lay(button);
  });
  function relayAll() {
    Array.prototype.forEach.call(toggles, lay);
  }
  if (wide.addEventListener) {
    wide.addEventListener("change", relayAll);
  } else if (wide.addListener) {
    wide.addListener(relayAll);
  }
})();
