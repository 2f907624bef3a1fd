/* The listing's filter panel on a phone: the toggle says what it will do, and the city list follows the
   chosen country. Loaded as a file (the CSP allows no inline script). */
(function () {
  "use strict";

  var panel = document.getElementById("filters");
  var toggle = document.querySelector(".filters-toggle");
  if (panel && toggle) {
    panel.addEventListener("shown.bs.collapse", function () {
      toggle.textContent = toggle.dataset.labelHide;
    });
    panel.addEventListener("hidden.bs.collapse", function () {
      toggle.textContent = toggle.dataset.labelShow;
    });
  }

  var country = document.getElementById("id_country");
  var city = document.getElementById("id_city");
  if (!panel || !panel.dataset.cityCountries || !country || !city) {
    return;
  }
  var citiesByCountry = JSON.parse(panel.dataset.cityCountries);

  function followCountry() {
    var chosen = country.value;
    var allowed = chosen ? citiesByCountry[chosen] || [] : null;
    Array.prototype.forEach.call(city.options, function (option) {
      var keep = option.value === "" || allowed === null || allowed.indexOf(option.value) !== -1;
      option.hidden = !keep;
      option.disabled = !keep;
    });
    if (city.selectedOptions.length && city.selectedOptions[0].disabled) {
      city.value = "";
    }
  }

  country.addEventListener("change", followCountry);
  followCountry();
})();
