/* A posting's "Partager" and "Imprimer" buttons. The browser's share sheet where it has one, otherwise the
   link is copied (or shown to copy by hand). No third-party script; loaded as a file for the CSP. */
(function () {
  "use strict";

  var status = document.querySelector(".share-status");
  var fallback = document.querySelector(".share-fallback");

  function showLink() {
    if (fallback) {
      fallback.hidden = false;
      var input = fallback.querySelector("input");
      input.focus();
      input.select();
    }
  }

  document.querySelectorAll("[data-share-url]").forEach(function (button) {
    button.addEventListener("click", function () {
      var url = button.dataset.shareUrl;
      if (navigator.share) {
        navigator.share({ title: button.dataset.shareTitle, url: url }).catch(function () {});
        return;
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(function () {
          if (status) {
            status.textContent = button.dataset.labelCopied;
          }
        }, showLink);
        return;
      }
      showLink();
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
