// The bank confirmation step with Stripe: Stripe.js runs the bank's challenge
// (handleNextAction), then the form posts back and the server asks Stripe how it went.
(function () {
  "use strict";
  var form = document.getElementById("confirm-payment-form");
  var button = document.getElementById("stripe-confirm");
  var error = document.getElementById("stripe-error");
  if (!form || !button) { return; }

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
  }

  if (typeof window.Stripe !== "function") {
    fail("The secure payment window could not load. Check your connection, or allow js.stripe.com if an extension blocks it, then reload this page.");
    return;
  }
  var stripe = window.Stripe(form.dataset.stripeKey);
  button.disabled = false;
  form.addEventListener("submit", function (event) {
    if (form.dataset.done) { return; }
    event.preventDefault();
    button.disabled = true;
    stripe.handleNextAction({ clientSecret: form.dataset.clientSecret }).then(function (result) {
      if (result.error) {
        fail(result.error.message || "Your bank did not confirm the payment.");
        button.disabled = false;
        return;
      }
      form.dataset.done = "1";
      form.submit();
    });
  });
})();
