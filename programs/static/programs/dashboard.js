// The dashboard works with whole pages; with htmx (vendor/htmx-*.min.js) some forms are saved
// in place. Errors about the input come back as the form with its errors (400/409, swapped in,
// see the htmx-config in base.html). Anything else htmx would drop silently (403, 404, 500, no
// connection): say so, in the page's language, in the notice under the header.
(function () {
  function notify(kind) {
    var notice = document.getElementById("htmx-notice");
    if (!notice) return;
    notice.textContent = notice.getAttribute("data-" + kind) || "";
    notice.hidden = false;
  }
  document.addEventListener("htmx:responseError", function () { notify("failed"); });
  document.addEventListener("htmx:sendError", function () { notify("offline"); });
  document.addEventListener("htmx:beforeRequest", function () {
    var notice = document.getElementById("htmx-notice");
    if (notice) notice.hidden = true;
  });
})();
